import { dirname, relative, resolve, sep } from 'node:path';

/**
 * Dependencies point inward: src/kit imports neither a system nor the CLI, and a system imports no other system
 * (the two chat doors share src/systems/chat, which is one system).
 */
function layerOf(file, root) {
  const parts = relative(root, file).split(sep);
  if (parts[0] !== 'src') return null;
  if (parts[1] === 'kit') return { layer: 'kit' };
  if (parts[1] === 'cli') return { layer: 'cli' };
  if (parts[1] === 'systems' && parts[2]) return { layer: 'system', name: parts[2] };
  return null;
}

function violation(from, to) {
  if (!from || !to) return null;
  if (from.layer === 'kit' && to.layer !== 'kit') return `the kit must not import ${to.layer === 'cli' ? 'the CLI' : `a system (${to.name})`}`;
  if (from.layer === 'system' && to.layer === 'cli') return `a system must not import the CLI`;
  if (from.layer === 'system' && to.layer === 'system' && to.name !== from.name) return `system ${from.name} must not import system ${to.name}: move what they share into src/kit`;
  return null;
}

export const importDirection = {
  meta: { type: 'problem', schema: [], messages: { inward: '{{reason}} ("{{source}}")' } },
  create(context) {
    const root = context.cwd;
    const from = layerOf(context.filename, root);
    if (!from) return {};
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const reason = violation(from, layerOf(resolve(dirname(context.filename), source), root));
      if (reason) context.report({ node: node.source, messageId: 'inward', data: { reason, source } });
    };
    return { ImportDeclaration: check, ImportExpression: check, ExportAllDeclaration: check, ExportNamedDeclaration: check };
  },
};
