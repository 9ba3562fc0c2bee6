/**
 * The Cargo.toml policy (src/runner/rust/manifest.ts) on manifests written the
 * ways Cargo accepts: quoted keys, `_` for `-`, dotted keys, inline tables,
 * target-specific tables. What a lab crate needs passes; everything that adds
 * code or files to the build is one finding on the line that asks for it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkManifest, keyLines, MANIFEST_BYTES } from '../../src/runner/rust/manifest.js';

const PACKAGE = '[package]\nname = "rope"\nversion = "0.1.0"\nedition = "2021"\n';

function finding(text: string) {
  const result = checkManifest(text);
  if (!('finding' in result)) throw new Error(`accepted: ${text}`);
  return result.finding;
}

describe('Cargo.toml policy', () => {
  it('accepts the fixtures\' manifests and the usual extras of a lab crate', () => {
    for (const name of ['ok-rust', 'bug-clockwise', 'not-ok-compile-error']) {
      expect(checkManifest(readFileSync(`fixtures/rope-lab02-rust/${name}/Cargo.toml`, 'utf8'))).toHaveProperty('name');
    }
    const full = `${PACKAGE}authors = ["A"]\nlicense = "MIT"\nrust-version = "1.70"\npublish = false\n\n[package.metadata.docs]\nx = 1\n\n[lib]\nname = "rope"\npath = "src/rope/lib.rs"\ncrate-type = ["rlib"]\ndoctest = false\n\n[features]\nfast = []\n\n[lints.rust]\nunsafe_code = "forbid"\n\n[profile.release]\nopt-level = 3\nlto = true\n\n[[test]]\nname = "props"\npath = "tests/props.rs"\n`;
    expect(checkManifest(full)).toEqual({ name: 'rope' });
    expect(checkManifest(`${PACKAGE}[lib]\nproc_macro = false\n`)).toEqual({ name: 'rope' });
  });

  it('refuses dependencies of every kind, each spelling, on their line', () => {
    expect(finding(`${PACKAGE}\n[dependencies]\nhelper = { path = "helper" }\n`)).toMatchObject({ line: 6, message: expect.stringContaining('[dependencies] is not allowed') });
    expect(finding(`${PACKAGE}[dev_dependencies]\nx = "1"\n`)).toMatchObject({ line: 5, message: expect.stringContaining('[dev_dependencies] is not allowed') });
    expect(finding(`${PACKAGE}[build-dependencies.cc]\nversion = "1"\n`)).toMatchObject({ line: 5 });
    expect(finding(`${PACKAGE}[target.'cfg(unix)'.dependencies]\nlibc = "0.2"\n`)).toMatchObject({ line: 5, message: expect.stringContaining('[target] is not allowed') });
    expect(finding(`dependencies.x = { path = "../x" }\n${PACKAGE}`)).toMatchObject({ line: 1 });
    expect(finding(`${PACKAGE}[patch.crates-io]\nfoo = { path = "foo" }\n`).message).toContain('[patch] is not allowed');
    expect(finding(`${PACKAGE}[replace]\n"foo:0.1.0" = { path = "foo" }\n`).message).toContain('[replace] is not allowed');
  });

  it('refuses build scripts, links and workspaces whatever the key spelling', () => {
    expect(finding(`${PACKAGE}"build" = "src/gen.rs"\n`)).toEqual({ line: 5, message: expect.stringContaining('package.build is not allowed') });
    expect(finding(`${PACKAGE}'build' = false\n`)).toMatchObject({ line: 5 });
    expect(finding(`${PACKAGE}"b\\u0075ild" = "gen.rs"\n`)).toEqual({ line: 5, message: expect.stringContaining('package.build is not allowed') });
    expect(finding(`package.name = "rope"\npackage.build = "gen.rs"\n`)).toMatchObject({ line: 2, message: expect.stringContaining('package.build') });
    expect(finding(`package = { name = "rope", build = "gen.rs" }\n`)).toMatchObject({ line: 1, message: expect.stringContaining('package.build') });
    expect(finding(`${PACKAGE}links = "z"\n`).message).toContain('package.links is not allowed');
    expect(finding(`${PACKAGE}workspace = ".."\n`).message).toContain('package.workspace is not allowed');
    expect(finding(`${PACKAGE}\n[workspace]\nmembers = []\n`)).toMatchObject({ line: 6, message: expect.stringContaining('[workspace] is not allowed') });
    expect(finding(`[package]\nname = "rope"\nedition.workspace = true\n`)).toMatchObject({ line: 3, message: expect.stringContaining('inheriting from a workspace') });
    expect(finding(`${PACKAGE}[lints]\nworkspace = true\n`).message).toContain('lints.workspace is not allowed');
    expect(finding(`cargo-features = ["profile-rustflags"]\n${PACKAGE}`)).toMatchObject({ line: 1, message: expect.stringContaining('cargo-features') });
    expect(finding(`${PACKAGE}metabuild = ["x"]\n`).message).toContain('package.metabuild is not a key');
  });

  it('refuses proc macros, foreign crate types and target paths outside the crate\'s sources', () => {
    expect(finding(`${PACKAGE}[lib]\nproc_macro = true\n`)).toMatchObject({ line: 6, message: expect.stringContaining('procedural macro') });
    expect(finding(`${PACKAGE}[lib]\n"proc-macro" = true\n`)).toMatchObject({ line: 6 });
    expect(finding(`${PACKAGE}[lib]\ncrate_type = ["cdylib"]\n`).message).toContain('crate-type "cdylib" is not allowed');
    for (const bad of ['src/lib.txt', '/etc/passwd', 'src/../../x.rs', '~/.ssh/id_rsa.rs', 'lib.rs', 'C:\\\\x.rs']) {
      expect(finding(`${PACKAGE}[lib]\npath = "${bad}"\n`), bad).toMatchObject({ line: 6, message: expect.stringContaining('[lib] path') });
    }
    expect(finding(`${PACKAGE}[[bin]]\nname = "x"\npath = "../outside.rs"\n`)).toMatchObject({ line: 7, message: expect.stringContaining('[[bin]] number 1 path') });
    expect(finding(`${PACKAGE}[[bin]]\nname = "m"\nproc-macro = true\n`).message).toContain('procedural macro');
    expect(finding(`${PACKAGE}[profile.release]\nrustflags = ["-C", "link-arg=-Wl,--wrap"]\n`).message).toContain('profile.release.rustflags is not allowed');
    expect(finding(`${PACKAGE}[profile.dev.build-override]\nopt-level = 0\n`).message).toContain('build-override');
  });

  it('says what is wrong with a manifest that is not TOML, too large, or nameless', () => {
    expect(finding('[package\nname = "x"\n')).toMatchObject({ line: 1, message: expect.stringContaining('Cargo.toml is not valid TOML') });
    expect(finding(`${PACKAGE}name = "twice"\n`).message).toContain('not valid TOML');
    expect(finding(`${PACKAGE}#${'x'.repeat(MANIFEST_BYTES)}\n`).message).toContain('cap');
    expect(finding('[lib]\npath = "src/lib.rs"\n').message).toBe('Cargo.toml has no [package] table');
    expect(finding('[package]\nversion = "1"\n').message).toBe('Cargo.toml has no [package] name');
    expect(finding('[package]\nname = "a\\"b"\n')).toMatchObject({ line: 2, message: expect.stringContaining('not a valid crate name') });
    expect(finding('[package]\nname = "rubricate_harness"\n').message).toContain("the grader's own");
    expect(finding(`[project]\nname = "old"\n${PACKAGE}`)).toMatchObject({ line: 1, message: expect.stringContaining('top-level key project') });
  });

  it('finds the line of table headers and bare, quoted and dotted keys, skipping multi-line strings', () => {
    const lines = keyLines('a = 1\n[t . "x.y"]\nb.\'c\' = """\n[fake]\nd = 2\n"""\n[[arr]]\ne = 3\n');
    expect(lines.get('a')).toBe(1);
    expect(lines.get('t\0x.y')).toBe(2);
    expect(lines.get('t\0x.y\0b\0c')).toBe(3);
    expect(lines.has('fake')).toBe(false);
    expect(lines.has('t\0x.y\0d')).toBe(false);
    expect(lines.get('arr\0e')).toBe(8);
  });
});
