export { RateLimitModule, RATE_LIMIT_MESSAGE } from './rate-limit.module';
export { RATE_LIMIT_CONNECTION_NAME, RedisWindowStorage } from './redis-window.storage';
export { MemoryWindowStorage } from './memory-window.storage';
