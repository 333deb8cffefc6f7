import request from 'supertest';
import { startTestApp } from '../helpers/app';
import { browserSuite, field, pickerOptions, waitForText, waitForValue } from '../helpers/browser';
import { eventually } from '../helpers/eventually';
import { createUser, getUser, WireUser } from '../helpers/factories';

/** Picking, creating and deleting users from the windows, and who else is looking. */
describe('users in the windows', () => {
  const windows = browserSuite(() => startTestApp());
  const { open } = windows;

  // First, while the database is still empty.
  it('creates a user when there is none, and shows the first user when no ?user= is given', async () => {
    const w1 = await open('/window1.html');
    const users = (await request(windows.app.url).get('/api/users').expect(200)).body as WireUser[];
    expect(users).toHaveLength(1);
    await waitForValue(w1.page, 'First name', users[0].first_name);
    expect(new URL(w1.page.url()).searchParams.get('user')).toBe(String(users[0].id));

    const w2 = await open('/window2.html');
    await waitForValue(w2.page, 'Last name', users[0].last_name);
    expect((await request(windows.app.url).get('/api/users').expect(200)).body).toHaveLength(1);
  });

  it('a user created in one window appears in the other window and the index; deleted, it disappears', async () => {
    const shown = await createUser(windows.app.url, { first_name: 'Stay', last_name: 'Here' });
    const w1 = await open(`/window1.html?user=${shown.id}`);
    const w2 = await open(`/window2.html?user=${shown.id}`);
    const home = await open('/');

    await w1.page.getByText('Add a user').click();
    await w1.page.getByLabel('Given name').fill('Grace');
    await w1.page.getByLabel('Family name').fill('Hopper');
    await w1.page.getByRole('button', { name: 'Create' }).click();

    await eventually(async () =>
      expect(await pickerOptions(w2.page)).toContainEqual(expect.stringMatching(/#\d+ Grace Hopper$/)),
    );
    await waitForText(home.page.locator('#users-body'), 'Grace Hopper');
    // The creating window switches to the new user.
    await waitForValue(w1.page, 'First name', 'Grace');
    await waitForValue(w1.page, 'Last name', 'Hopper');
    const created = ((await request(windows.app.url).get('/api/users').expect(200)).body as WireUser[]).find(
      (u) => u.first_name === 'Grace',
    )!;
    expect(created).toMatchObject({ last_name: 'Hopper' });

    await w1.page.getByRole('button', { name: 'Delete this user' }).click();
    await w1.page.getByRole('button', { name: 'Yes, delete' }).click();

    await eventually(async () => expect((await pickerOptions(w2.page)).some((o) => o.includes('Grace'))).toBe(false));
    await eventually(async () => expect(await home.page.locator('#users-body').textContent()).not.toContain('Grace'));
    await request(windows.app.url).get(`/api/users/${created.id}`).expect(404);
    await waitForText(w1.page.locator('#notice'), 'You deleted Grace Hopper');
    // Window 2 kept its own user all along.
    expect(await field(w2.page, 'Last name').inputValue()).toBe('Here');
  });

  it('says so when the shown user is deleted elsewhere, and switches to the first remaining user', async () => {
    const first = ((await request(windows.app.url).get('/api/users?limit=1').expect(200)).body as WireUser[])[0];
    const doomed = await createUser(windows.app.url, { first_name: 'Gone', last_name: 'Soon' });
    const w2 = await open(`/window2.html?user=${doomed.id}`);

    await request(windows.app.url).delete(`/api/users/${doomed.id}`).expect(204);
    await waitForText(w2.page.locator('#notice'), 'Gone Soon (#' + doomed.id + ') was deleted by someone else');
    await waitForValue(w2.page, 'First name', first.first_name);
    await waitForValue(w2.page, 'Last name', first.last_name);
    expect(new URL(w2.page.url()).searchParams.get('user')).toBe(String(first.id));
  });

  it('explains a ?user= that names nobody and lets the person pick another, which then updates live', async () => {
    const other = await createUser(windows.app.url, { first_name: 'Picked', last_name: 'Person' });
    const w1 = await open('/window1.html?user=987654', { ready: false });
    await waitForText(w1.page.locator('#notice'), 'User #987654 does not exist');
    expect(await field(w1.page, 'First name').isDisabled()).toBe(true);

    await w1.page.getByLabel('User', { exact: true }).selectOption(String(other.id));
    await waitForValue(w1.page, 'First name', 'Picked');
    await waitForValue(w1.page, 'Last name', 'Person');
    // Now subscribed to the picked user: its updates arrive.
    await request(windows.app.url).patch(`/api/users/${other.id}`).send({ last_name: 'Live' }).expect(200);
    await waitForValue(w1.page, 'Last name', 'Live', 1_000);
    await field(w1.page, 'First name').fill('Typed');
    await eventually(async () =>
      expect(await getUser(windows.app.url, other.id)).toMatchObject({ first_name: 'Typed', last_name: 'Live' }),
    );
  });

  it('shows how many windows are open on the user', async () => {
    const user = await createUser(windows.app.url);
    const w1 = await open(`/window1.html?user=${user.id}`);
    await waitForText(w1.page.locator('#presence'), '1 window open');
    const w2 = await open(`/window2.html?user=${user.id}`);

    await waitForText(w1.page.locator('#presence'), '2 windows open');
    await waitForText(w2.page.locator('#presence'), '2 windows open');

    await w2.close();
    await waitForText(w1.page.locator('#presence'), '1 window open');
  });
});
