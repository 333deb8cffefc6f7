/** The sample people of the original proof of concept's data generator: `npm run seed` adds them. */
export const SAMPLE_USERS: readonly (readonly [firstName: string, lastName: string])[] = [
  ['John', 'Doe'],
  ['Jane', 'Smith'],
  ['Alice', 'Johnson'],
  ['Bob', 'Williams'],
  ['Carol', 'Brown'],
];
