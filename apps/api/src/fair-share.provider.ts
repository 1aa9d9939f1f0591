import { getQueueToken } from '@nestjs/bullmq';
import type { Provider } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { AppConfig } from '@trainyard/config';
import { QueueName } from '@trainyard/contracts';
import { FairShareScheduler } from '@trainyard/experiment-store';
import { APP_CONFIG } from './app-config.token';
import { RedisClients } from './redis.providers';

/** The fair-share scheduler over the training queue's keys (see libs/experiment-store). */
export const fairShareProvider: Provider = {
  provide: FairShareScheduler,
  inject: [RedisClients, APP_CONFIG, getQueueToken(QueueName.Training)],
  useFactory: (clients: RedisClients, config: AppConfig, queue: Queue) => new FairShareScheduler(clients.commands, { prefix: config.queuePrefix, queue }),
};
