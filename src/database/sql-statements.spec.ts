import { Column, CreateDateColumn, DataSource, Entity, PrimaryGeneratedColumn, ValueTransformer } from 'typeorm';
import type { Row } from './sql-statements';
import { SqlStatements } from './sql-statements';

const shouting: ValueTransformer = {
  from: (value: string | null) => value?.toUpperCase() ?? null,
  to: (value: unknown) => value,
};

/** One column of each kind the driver treats differently on the way in. */
@Entity({ name: 'samples' })
class Sample {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 20 })
  name: string;

  @Column({ type: 'integer', default: 0 })
  count: number;

  @Column({ type: 'boolean', default: false })
  flag: boolean;

  @CreateDateColumn({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'happened_at', type: 'datetime', nullable: true })
  happenedAt: Date | null;

  @Column({ type: 'simple-json', nullable: true })
  data: unknown;

  @Column({ type: 'simple-array', nullable: true })
  tags: string[] | null;

  @Column({ type: 'varchar', nullable: true, transformer: shouting })
  loud: string | null;
}

/** What TypeORM itself makes of a row: the driver's conversion and the column's setter, column by column. */
function hydratedByTypeOrm(dataSource: DataSource, row: Row): Sample {
  const sample = new Sample();
  for (const column of dataSource.getMetadata(Sample).columns) {
    column.setEntityValue(sample, dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
  }
  return sample;
}

/** Dates as their time values: two invalid dates are the same reading, but not equal to Jest. */
function comparable(sample: Sample): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sample).map(([key, value]) => [key, value instanceof Date ? value.getTime() : value]));
}

describe('SqlStatements.hydrate on SQLite', () => {
  let dataSource: DataSource;
  let sql: SqlStatements;

  beforeAll(async () => {
    dataSource = await new DataSource({
      type: 'sqlite',
      database: ':memory:',
      entities: [Sample],
      synchronize: true,
    }).initialize();
    sql = new SqlStatements(dataSource);
  });

  afterAll(async () => {
    await sql.onModuleDestroy();
    await dataSource.destroy();
  });

  it('makes of rows TypeORM wrote exactly what TypeORM makes of them', async () => {
    const repository = dataSource.getRepository(Sample);
    await repository.insert([
      {
        name: 'plain',
        count: 3,
        flag: true,
        happenedAt: new Date('2024-02-29T23:59:59.999Z'),
        data: { a: [1] },
        tags: ['x', 'y'],
        loud: 'hi',
      },
      { name: 'empty', happenedAt: null, tags: null, loud: null },
      { name: 'old', happenedAt: new Date('1900-03-01T00:00:00.000Z') },
    ]);
    const rows = await sql.query('SELECT * FROM samples ORDER BY id');
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const sample = sql.hydrate(Sample, row);
      expect(sample).toBeInstanceOf(Sample);
      expect(sample).toEqual(hydratedByTypeOrm(dataSource, row));
    }
    expect(sql.hydrate(Sample, rows[0]).happenedAt?.toISOString()).toBe('2024-02-29T23:59:59.999Z');
  });

  it.each([
    ['2026-01-13 10:05', 'no seconds'],
    ['2026-01-13 10:05:00', 'no milliseconds'],
    ['2026-01-13T10:05:00.000Z', 'ISO with a zone'],
    ['2026-01-13T10:05:00.000', 'ISO without a zone'],
    ['2026-02-30 10:00:00.000', 'a day that does not exist'],
    ['not a date', 'not a date'],
  ])('reads a datetime stored as %s (%s) as TypeORM does', (text) => {
    const row: Row = {
      id: 1,
      name: 'n',
      count: 1,
      flag: 0,
      created_at: text,
      happened_at: text,
      data: null,
      tags: null,
      loud: null,
    };
    const sample = sql.hydrate(Sample, row);
    expect(sample.createdAt).toBeInstanceOf(Date);
    expect(comparable(sample)).toEqual(comparable(hydratedByTypeOrm(dataSource, row)));
  });
});
