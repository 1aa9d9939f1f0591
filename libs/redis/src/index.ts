export * from './private-redis';
export * from './resolve-redis';
export * from './redis-connection';
export * from './redis-url';
export * from './redis-ping';
export { freePort, isPortFree } from './free-port';
export { ensureRedisServer, RedisServerMissingError, REDIS_INSTALL_HINT, type RedisLog } from './redis-server-binary';
