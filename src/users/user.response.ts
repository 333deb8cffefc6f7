import { User } from './user.entity';

/** The wire format of a user: the Django proof of concept's snake_case fields. */
export interface UserResponse {
  id: number;
  first_name: string;
  last_name: string;
  created_at: string;
  updated_at: string;
  version: number;
}

export function toUserResponse(user: Readonly<User>): UserResponse {
  return {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
    version: user.version,
  };
}
