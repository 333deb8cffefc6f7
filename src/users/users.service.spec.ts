import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { validateEnvironment } from '../config';
import { buildDataSourceOptions, SqlStatements } from '../database';
import { DomainEventBus, DomainEventMap, DomainEventName, EventsModule } from '../events';
import { User } from './user.entity';
import { UserChange } from './user-change.entity';
import { UserNotFoundError, UserVersionMismatchError } from './user.errors';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

type Published = { [K in DomainEventName]: { name: K; payload: DomainEventMap[K] } }[DomainEventName];

/** Who the spec's changes are made by. */
const change = { by: 'spec', requestId: 'request-1' };

/** Against a real in-memory SQLite database with the real migrations: no mocked repository. */
describe('UsersService', () => {
  let moduleRef: TestingModule;
  let service: UsersService;
  let published: Published[];

  beforeEach(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(validateEnvironment({ DB_PATH: ':memory:' })),
          migrationsRun: true,
        }),
        TypeOrmModule.forFeature([User, UserChange]),
        EventsModule,
      ],
      providers: [UsersService, UsersRepository, SqlStatements],
    }).compile();
    await moduleRef.init();
    service = moduleRef.get(UsersService);
    published = [];
    const bus = moduleRef.get(DomainEventBus);
    for (const name of ['user.created', 'user.updated', 'user.deleted'] as const) {
      bus.subscribe(name, (payload) => published.push({ name, payload }));
    }
  });

  afterEach(() => moduleRef.close());

  it('creates a user at version 1 and publishes user.created with the committed row', async () => {
    const user = await service.create({ firstName: 'John', lastName: 'Doe' }, change);
    expect(user).toMatchObject({ firstName: 'John', lastName: 'Doe', version: 1 });
    expect(user.id).toBeGreaterThan(0);
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(published).toEqual([{ name: 'user.created', payload: { user } }]);
  });

  it('keeps names exactly as typed, including empty and surrounding spaces', async () => {
    const user = await service.create({ firstName: '  Ann ', lastName: '' }, change);
    expect(await service.get(user.id)).toMatchObject({ firstName: '  Ann ', lastName: '' });
  });

  it('changes only the named field and bumps the version in the same write', async () => {
    const user = await service.create({ firstName: 'John', lastName: 'Doe' }, change);
    const updated = await service.update(user.id, { lastName: 'Roe' }, change);
    expect(updated).toMatchObject({ id: user.id, firstName: 'John', lastName: 'Roe', version: 2 });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(user.updatedAt.getTime());
    expect(published.at(-1)).toEqual({ name: 'user.updated', payload: { user: updated } });
  });

  it('does not lose either of two concurrent edits of different fields', async () => {
    const user = await service.create({ firstName: 'A', lastName: 'B' }, change);
    await Promise.all([
      service.update(user.id, { firstName: 'First' }, change),
      service.update(user.id, { lastName: 'Last' }, change),
    ]);
    expect(await service.get(user.id)).toMatchObject({ firstName: 'First', lastName: 'Last', version: 3 });
  });

  it('gives every one of many concurrent updates its own version', async () => {
    const user = await service.create({ firstName: 'A', lastName: 'B' }, change);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => service.update(user.id, { firstName: `n${i}` }, change)),
    );
    expect(new Set(results.map((result) => result.version)).size).toBe(50);
    expect((await service.get(user.id)).version).toBe(51);
  });

  it('updates only while the user is at an expected version', async () => {
    const user = await service.create({ firstName: 'A', lastName: 'B' }, change);
    await service.update(user.id, { firstName: 'C' }, change, [1]);
    await expect(service.update(user.id, { firstName: 'D' }, change, [1])).rejects.toBeInstanceOf(UserVersionMismatchError);
    await expect(service.update(user.id, { firstName: 'D' }, change, [])).rejects.toBeInstanceOf(UserVersionMismatchError);
    expect(await service.get(user.id)).toMatchObject({ firstName: 'C', version: 2 });
    expect(published.filter((event) => event.name === 'user.updated')).toHaveLength(1);
  });

  it('refuses unknown ids without publishing anything', async () => {
    await expect(service.get(999)).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(service.update(999, { firstName: 'x' }, change)).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(service.update(2 ** 40, { firstName: 'x' }, change)).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(service.remove(999, change)).rejects.toBeInstanceOf(UserNotFoundError);
    expect(published).toEqual([]);
  });

  it('deletes a user and publishes the row as it was', async () => {
    const user = await service.create({ firstName: 'A', lastName: 'B' }, change);
    const removed = await service.remove(user.id, change);
    // The row as it was, numbered with the delete's own change.
    expect(removed).toEqual({ ...user, changeSeq: user.changeSeq + 1 });
    expect(published.at(-1)).toEqual({ name: 'user.deleted', payload: { user: removed } });
    await expect(service.get(user.id)).rejects.toBeInstanceOf(UserNotFoundError);
  });

  it('lists by id with a total, paging and a case-insensitive substring search on either name', async () => {
    for (const [firstName, lastName] of [
      ['John', 'Doe'],
      ['Jane', 'Smith'],
      ['Bob', 'Johnson'],
      ['50%', 'a_b'],
    ]) {
      await service.create({ firstName, lastName }, change);
    }
    const all = await service.list({ limit: 2, offset: 1 });
    expect(all.total).toBe(4);
    expect(all.items.map((user) => user.firstName)).toEqual(['Jane', 'Bob']);
    const found = await service.list({ limit: 100, offset: 0, search: 'JOHN' });
    expect(found.items.map((user) => user.firstName)).toEqual(['John', 'Bob']);
    expect(found.total).toBe(2);
    // LIKE wildcards in the search are literal characters.
    expect((await service.list({ limit: 100, offset: 0, search: '%' })).items.map((u) => u.firstName)).toEqual(['50%']);
    expect((await service.list({ limit: 100, offset: 0, search: '_' })).items.map((u) => u.lastName)).toEqual(['a_b']);
  });
});
