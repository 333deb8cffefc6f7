/**
 * Babel plugin for Jest only: rewrites `import.meta` in ES-module packages
 * that Jest compiles to CommonJS. Uses no `require` binding, because some of
 * those modules declare their own `const require = createRequire(import.meta.url)`.
 */
module.exports = function importMetaToCommonJs({ types: t }) {
  const fileUrl = () => t.binaryExpression('+', t.stringLiteral('file://'), t.identifier('__filename'));
  return {
    name: 'import-meta-to-cjs',
    visitor: {
      MetaProperty(path) {
        if (path.node.meta.name !== 'import' || path.node.property.name !== 'meta') return;
        const parent = path.parentPath;
        if (!parent.isMemberExpression()) return;
        const key = parent.node.property.name;
        if (key === 'url') parent.replaceWith(fileUrl());
        else if (key === 'dirname') parent.replaceWith(t.identifier('__dirname'));
        else if (key === 'filename') parent.replaceWith(t.identifier('__filename'));
        else if (key === 'resolve') {
          parent.replaceWith(
            t.memberExpression(t.callExpression(t.identifier('eval'), [t.stringLiteral('require')]), t.identifier('resolve')),
          );
        }
      },
    },
  };
};
