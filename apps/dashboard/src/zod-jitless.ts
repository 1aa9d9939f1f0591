import { z } from 'zod';

// zod compiles object parsers with `new Function` unless told not to, and merely probing whether it
// may do so is a violation of the API's Content-Security-Policy (script-src 'self', no
// 'unsafe-eval'; apps/api/src/middleware/security-headers.ts). Imported first, before any parse.
z.config({ jitless: true });
