import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Compiles `source` as if it were test/rpc/<name>.ts with the project's
 * tsconfig; returns the lines with a compile error and the lines marked `// ERR`.
 */
export function compileMarked(name: string, source: string): { errorLines: number[]; marked: number[] } {
  const virtual = resolve(ROOT, `test/rpc/${name}.ts`);
  const parsed = ts.getParsedCommandLineOfConfigFile(resolve(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, ...rest) => (resolve(file) === virtual ? ts.createSourceFile(file, source, lang) : getSourceFile(file, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => resolve(file) === virtual || fileExists(file);
  const program = ts.createProgram([virtual], { ...parsed.options, noEmit: true }, host);
  const file = program.getSourceFile(virtual)!;
  const errorLines = new Set(ts.getPreEmitDiagnostics(program, file).map((d) => file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1));
  const marked = source.split('\n').flatMap((line, i) => (line.includes('// ERR') ? [i + 1] : []));
  return { errorLines: [...errorLines].sort((a, b) => a - b), marked };
}
