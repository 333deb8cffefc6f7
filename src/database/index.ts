export { buildDataSourceOptions } from './database.options';
export { DatabaseModule, DatabaseUnreachableError } from './database.module';
export type { ExtraSchema } from './database.module';
export { queryReturning } from './returning';
export type { Row } from './returning';
export { Seeder, SeedRunner } from './seeding';
export type { SeedOptions } from './seeding';
