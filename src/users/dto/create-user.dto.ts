import { ApiSchema } from '@nestjs/swagger';
import { IsUserName } from './user-name.validation';
import { NewUser } from '../users.repository';

@ApiSchema({ name: 'CreateUser', description: 'Both names of a new user' })
export class CreateUserDto {
  @IsUserName()
  first_name: string;

  @IsUserName()
  last_name: string;

  toNewUser(): NewUser {
    return { firstName: this.first_name, lastName: this.last_name };
  }
}
