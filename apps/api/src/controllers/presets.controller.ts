import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LIMITS, PRESET_NAMES, PUBLISHED, SUITES, presetSpec } from '@trainyard/contracts';

@ApiTags('presets')
@ApiBearerAuth()
@Controller('api/presets')
export class PresetsController {
  @Get()
  @ApiOperation({ summary: 'Course presets (resolved specs), suites, published results and spec limits' })
  list() {
    return {
      presets: PRESET_NAMES.map((name) => ({ name, spec: presetSpec(name), published: PUBLISHED[name] })),
      suites: Object.entries(SUITES).map(([name, presets]) => ({ name, presets })),
      limits: LIMITS,
    };
  }
}
