import { ESLint, Linter } from 'eslint';
import tseslint from 'typescript-eslint';

// eslint.boundaries.cjs is the one definition eslint.config.mjs uses too.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { boundaryBlocks } = require('../eslint.boundaries.cjs') as { boundaryBlocks: Linter.Config[] };

/** The boundary rule alone, applied to code as if it stood at `filePath`. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: `${__dirname}/..`,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundaryBlocks],
  });
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('the boundary between shared folders and features (npm run lint)', () => {
  it.each([
    ['a shared folder importing a feature', 'src/events/x.ts', "import { UsersModule } from '../users/users.module';"],
    ['a shared folder re-exporting from a feature', 'src/realtime/redis/x.ts', "export * from '../../users/users.wire';"],
    ['a type-only import from a feature', 'src/database/x.ts', "import type { User } from '../users/user.entity';"],
    ['a feature reaching past a shared index', 'src/users/x.ts', "import { versionEtag } from '../common/http/etag';"],
    [
      'a nested feature file reaching past an index',
      'src/users/dto/x.ts',
      "import { roomForTopic } from '../../realtime/topics';",
    ],
    ['a feature importing another feature', 'src/orders/x.ts', "import { UsersService } from '../users/users.service';"],
    ['a shared folder importing the app', 'src/config/x.ts', "import { AppModule } from '../app.module';"],
  ])('refuses %s', async (_, filePath, code) => {
    expect(await boundaryErrors(filePath, code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*shared folder's index/),
    ]);
  });

  it.each([
    ['a feature importing a shared index', 'src/users/x.ts', "import { RealtimeTopics } from '../realtime';"],
    ['a nested feature file importing within its feature', 'src/users/dto/x.ts', "import { User } from '../user.entity';"],
    [
      'a shared folder importing another shared index',
      'src/realtime/redis/x.ts',
      "import { EnvironmentVariables } from '../../config';",
    ],
    ['a shared folder importing within itself', 'src/realtime/redis/x.ts', "import { roomForTopic } from '../topics';"],
    ['the app composing features', 'src/app.module.ts', "import { UsersModule } from './users/users.module';"],
  ])('allows %s', async (_, filePath, code) => {
    expect(await boundaryErrors(filePath, code)).toEqual([]);
  });
});
