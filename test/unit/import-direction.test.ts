import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { importDirection } from '../../eslint/import-direction.js';

const root = '/project';
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { mensageiro: { rules: { 'import-direction': importDirection } } },
      rules: { 'mensageiro/import-direction': 'error' },
    },
  ],
});

async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${file}` });
  return result!.messages.map((m) => m.message);
}

describe('lint: dependencies point inward', () => {
  it('refuses the kit importing a system or the CLI, statically or lazily', async () => {
    assert.match((await problems('src/kit/bus/bus.ts', "import { x } from '../../systems/sales/domain/catalog.ts';"))[0] ?? '', /kit must not import a system \(sales\)/);
    assert.match((await problems('src/kit/runtime/a.ts', "const m = await import('../../cli/main.ts');"))[0] ?? '', /kit must not import the CLI/);
  });

  it('refuses one system importing another, and a system importing the CLI', async () => {
    assert.match((await problems('src/systems/sales/roles/a.ts', "export { y } from '../../payments/domain/money.ts';"))[0] ?? '', /system sales must not import system payments/);
    assert.match((await problems('src/systems/chat/zmq/roles/a.ts', "import '../../../../cli/up.ts';"))[0] ?? '', /a system must not import the CLI/);
  });

  it('allows the kit within itself, a system within itself (both chat doors share chat) and the CLI anywhere', async () => {
    assert.deepEqual(await problems('src/kit/zmtp/a.ts', "import { b } from '../bus/bus.ts';"), []);
    assert.deepEqual(await problems('src/systems/chat/zmq/roles/a.ts', "import { b } from '../../domain/chat-op.ts'; import { c } from '../../../../kit/platform.ts';"), []);
    assert.deepEqual(await problems('src/cli/up.ts', "import { a } from '../systems/sales/web/sales-module.ts'; import { b } from '../kit/platform.ts';"), []);
    assert.deepEqual(await problems('test/unit/a.test.ts', "import { a } from '../../src/systems/sales/domain/catalog.ts';"), []);
  });
});
