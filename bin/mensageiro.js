#!/usr/bin/env node
// Runs the CLI from source: tsx compiles TypeScript on the fly, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
