import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/auth.decorators';
import { MetricsService } from '../services/metrics.service';

@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  // Admin-only: queue depth and throughput describe the whole class. Prometheus sends the admin
  // token with `authorization: { credentials: <token> }` in its scrape config.
  @AdminOnly()
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (admins)' })
  async scrape(@Res({ passthrough: true }) res: { type(t: string): void }): Promise<string> {
    const { contentType, body } = await this.metrics.render();
    res.type(contentType);
    return body;
  }
}
