import type { Page } from 'playwright-core';
import request from 'supertest';
import { startTestApp } from '../helpers/app';
import { bearer, HS256_ENV, signToken } from '../helpers/auth';
import { browserSuite, field, seriousViolations, waitForConnection, waitForText, waitUntilReady } from '../helpers/browser';
import { eventually } from '../helpers/eventually';

/*
 * The windows against a server that requires a token: they ask for one in a
 * small sign-in box, keep it for the tab, send it on the API and the socket,
 * and say when it is refused or expired. Under the strict CSP the server sends.
 */

function signInBox(page: Page) {
  return page.getByRole('region', { name: 'Sign in' });
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Access token', { exact: true }).fill(token);
  await signInBox(page).getByRole('button', { name: 'Sign in' }).click();
}

function historyLines(page: Page): Promise<string[]> {
  return page.locator('#history-list li').allTextContents();
}

describe('the windows when the server requires a token', () => {
  const windows = browserSuite(async () => {
    const app = await startTestApp({ env: HS256_ENV });
    return { url: app.url, apiUrl: app.url, close: () => app.close() };
  });

  async function userId(): Promise<number> {
    const created = await request(windows.app.apiUrl)
      .post('/api/users')
      .set(bearer(await signToken({ sub: 'setup' })))
      .send({ first_name: 'Ada', last_name: 'Byron' })
      .expect(201);
    return (created.body as { id: number }).id;
  }

  it('asks for a token, connects once given one, and saves edits under its subject', async () => {
    const id = await userId();
    const w1 = await windows.open(`/window1.html?user=${id}`, { ready: false });
    await eventually(async () => expect(await signInBox(w1.page).isVisible()).toBe(true));
    await waitForText(signInBox(w1.page).getByRole('alert'), 'needs an access token');
    await waitForText(w1.page.locator('#connection'), 'Disconnected: sign in to connect');
    // Reads are open: the user shows already.
    await eventually(async () => expect(await field(w1.page, 'Last name').inputValue()).toBe('Byron'));

    await signIn(w1.page, await signToken({ sub: 'alice' }));
    await waitUntilReady(w1.page);
    expect(await signInBox(w1.page).isHidden()).toBe(true);
    await field(w1.page, 'First name').fill('Augusta');
    await eventually(async () => {
      const history = await request(windows.app.apiUrl).get(`/api/users/${id}/history`).expect(200);
      expect((history.body as { by: string; version: number }[])[0]).toMatchObject({ by: 'alice' });
    });
    await eventually(async () => expect((await historyLines(w1.page))[0]).toMatch(/^alice changed First name/));

    // The token is kept for the tab: a reload connects without asking.
    await w1.page.reload();
    await waitUntilReady(w1.page);
    expect(await signInBox(w1.page).count()).toBe(0);
    expect(w1.errors.filter((error) => !error.includes('401'))).toEqual([]);
  });

  it('says when the token is refused, and asks again', async () => {
    const id = await userId();
    const w2 = await windows.open(`/window2.html?user=${id}`, { ready: false });
    await eventually(async () => expect(await signInBox(w2.page).isVisible()).toBe(true));
    await signIn(w2.page, await signToken({ aud: 'another-app' }));
    await waitForText(signInBox(w2.page).getByRole('alert'), /refused that token: the token's aud claim is not accepted/);
    await waitForConnection(w2.page, 'Disconnected');
    await signIn(w2.page, await signToken({ sub: 'bob' }));
    await waitUntilReady(w2.page);
  });

  it('the index asks too, and the sign-in box passes axe-core with a refusal showing', async () => {
    // axe is injected as a script, which the strict policy would refuse: straight to the app.
    const index = await windows.open('/', { ready: false, bypassCSP: true, base: windows.app.apiUrl });
    await eventually(async () => expect(await signInBox(index.page).isVisible()).toBe(true));
    await signIn(index.page, 'not-a-token');
    await waitForText(signInBox(index.page).getByRole('alert'), 'the token is malformed');
    await expect(
      index.page.getByLabel('Access token', { exact: true }).evaluate((el) => el === document.activeElement),
    ).resolves.toBe(true);
    expect(await seriousViolations(index.page)).toEqual([]);
  });

  it('says when the token expires, and reconnects with a new one', async () => {
    const id = await userId();
    const w1 = await windows.open(`/window1.html?user=${id}`, { ready: false });
    await eventually(async () => expect(await signInBox(w1.page).isVisible()).toBe(true));
    await signIn(w1.page, await signToken({ ttl: 2 }));
    await waitUntilReady(w1.page);
    await waitForText(signInBox(w1.page).getByRole('alert'), 'Your token expired', 10_000);
    await waitForText(w1.page.locator('#connection'), 'Disconnected: sign in again to reconnect');
    await signIn(w1.page, await signToken({ sub: 'alice' }));
    await waitUntilReady(w1.page);
  });
});

describe('the windows when reads need a token too', () => {
  const windows = browserSuite(() => startTestApp({ env: { ...HS256_ENV, AUTH_PROTECT_READS: 'true' } }));

  it('show nothing until signed in, then the first user, live', async () => {
    const token = await signToken({ sub: 'setup' });
    await request(windows.app.url)
      .post('/api/users')
      .set(bearer(token))
      .send({ first_name: 'Grace', last_name: 'Hopper' })
      .expect(201);
    const w2 = await windows.open('/window2.html', { ready: false });
    await eventually(async () => expect(await signInBox(w2.page).isVisible()).toBe(true));
    expect(await field(w2.page, 'Last name').inputValue()).toBe('');
    await signIn(w2.page, await signToken({ sub: 'bob' }));
    await waitUntilReady(w2.page);
    expect(await field(w2.page, 'Last name').inputValue()).toBe('Hopper');
    expect(await w2.page.locator('#notice').textContent()).toBe('');
  });
});
