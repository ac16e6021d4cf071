/**
 * The architecture's rules, checked by `npm run lint` (dependency-cruiser): no import circles, and the
 * layers point one way: modules/ may use platform/ and kernel/, never the reverse; browser code
 * (web/) and server code (src/) share nothing.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle ties files that should stand alone (docs/architecture.md).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-knows-no-module',
      severity: 'error',
      comment: 'platform/ is plumbing that knows no Klarna rule: it must not import a module.',
      from: { path: '^src/platform/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'kernel-knows-no-module',
      severity: 'error',
      comment: "kernel/ is Klarna's shared vocabulary: it must not import a module.",
      from: { path: '^src/kernel/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'only-the-entry-points-list-modules',
      severity: 'error',
      comment: 'Modules are listed once, in modules/index.ts; only app.ts and main.ts read that list.',
      from: { path: '^src/', pathNot: '^src/(app|main|cli)\\.ts$' },
      to: { path: '^src/modules/index\\.ts$' },
    },
    {
      name: 'nothing-imports-the-app',
      severity: 'error',
      comment: 'src/app.ts imports every module; a module importing it back makes a circle (take the types from platform/app.ts).',
      from: { path: '^src/(platform|kernel|modules)/' },
      to: { path: '^src/app\\.ts$' },
    },
    {
      name: 'browser-and-server-apart',
      severity: 'error',
      comment: 'web/ runs in the shopper\'s browser; src/ on the server.',
      from: { path: '^web/' },
      to: { path: '^src/' },
    },
    {
      name: 'server-not-into-browser',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^web/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
