export { buildDataSourceOptions } from './database.options';
export { DatabaseModule, DatabaseUnreachableError } from './database.module';
export type { ExtraSchema } from './database.module';
export { SqlStatements } from './sql-statements';
export type { Row } from './sql-statements';
export { Seeder, SeedRunner } from './seeding';
export type { SeedOptions } from './seeding';
