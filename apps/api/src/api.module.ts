import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '@trainyard/config';
import { CoreModule } from '@trainyard/core';
import { QueueName } from '@trainyard/training-queue';
import { AuthModule } from './auth/auth.module';
import { AuthService } from './auth/auth.service';
import { ExperimentsController } from './controllers/experiments.controller';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { PresetsController } from './controllers/presets.controller';
import { RosterController } from './controllers/roster.controller';
import { SessionController } from './controllers/session.controller';
import { SuitesController } from './controllers/suites.controller';
import { ExperimentEventsGateway } from './gateways/experiment-events.gateway';
import { queueAdminAuth } from './middleware/queue-admin.auth';
import { ExperimentsService } from './services/experiments.service';
import { JobMetricsListener } from './services/job-metrics.listener';
import { MetricsService } from './services/metrics.service';
import { ModelArtifactsService } from './services/model-artifacts.service';
import { QueueEstimatesService } from './services/queue-estimates.service';
import { RunEstimatesService } from './services/run-estimates.service';
import { RetentionService } from './services/retention.service';

export const QUEUE_ADMIN_PATH = '/admin/queues';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        // Config, Redis, the store, BullMQ and the training queue, fair share, logging: as in the worker.
        CoreModule.forRoot({ config, role: 'api' }),
        AuthModule,
        BullBoardModule.forRootAsync({
          imports: [AuthModule],
          inject: [AuthService],
          useFactory: (auth: AuthService) => ({ route: QUEUE_ADMIN_PATH, adapter: ExpressAdapter, middleware: queueAdminAuth(auth) }),
        }),
        BullBoardModule.forFeature({ name: QueueName.Training, adapter: BullMQAdapter }),
      ],
      controllers: [ExperimentsController, SuitesController, PresetsController, SessionController, RosterController, HealthController, MetricsController],
      providers: [
        QueueEstimatesService,
        RunEstimatesService,
        ExperimentsService,
        ModelArtifactsService,
        MetricsService,
        JobMetricsListener,
        RetentionService,
        ExperimentEventsGateway,
      ],
    };
  }
}
