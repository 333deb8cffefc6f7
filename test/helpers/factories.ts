import request from 'supertest';
import type { UserResponse } from '../../src/users/user.response';

/** A user as the API sends it. */
export type WireUser = UserResponse;

let sequence = 0;

/** A fresh, distinct name pair. */
export function userInput(overrides: Partial<Pick<WireUser, 'first_name' | 'last_name'>> = {}): {
  first_name: string;
  last_name: string;
} {
  sequence += 1;
  return { first_name: `First${sequence}`, last_name: `Last${sequence}`, ...overrides };
}

/** Creates a user through the API, as a client would. */
export async function createUser(
  url: string,
  overrides: Partial<Pick<WireUser, 'first_name' | 'last_name'>> = {},
): Promise<WireUser> {
  const response = await request(url).post('/api/users').send(userInput(overrides)).expect(201);
  return response.body as WireUser;
}

export async function getUser(url: string, id: number): Promise<WireUser> {
  const response = await request(url).get(`/api/users/${id}`).expect(200);
  return response.body as WireUser;
}
