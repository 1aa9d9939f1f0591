import { Inject } from '@nestjs/common';

/** The one `AppConfig` (from `loadConfig()` in main.ts, or built by a test), injected everywhere. */
export const APP_CONFIG = 'APP_CONFIG';
export const InjectConfig = () => Inject(APP_CONFIG);
