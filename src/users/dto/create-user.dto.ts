import { IsUserName } from './user-name.validation';
import { NewUser } from '../users.repository';

export class CreateUserDto {
  @IsUserName()
  first_name: string;

  @IsUserName()
  last_name: string;

  toNewUser(): NewUser {
    return { firstName: this.first_name, lastName: this.last_name };
  }
}
