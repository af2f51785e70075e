/**
 * The names each public entry exports, types and values, each with the
 * declaration it resolves to, read by the TypeScript compiler from the
 * sources (no build needed).
 */
import ts from 'typescript';
import { publicEntries, rootPath } from './entries.js';

/** One exported name of an entry and where it is declared (file:position, one per declaration merged into it). */
export interface ExportedName {
  name: string;
  declaredAt: string;
}

/** Exported names per entry specifier. */
export function exportedNames(): Map<string, ExportedName[]> {
  const entries = publicEntries();
  const config = ts.readConfigFile(rootPath('tsconfig.json'), ts.sys.readFile);
  const options = ts.parseJsonConfigFileContent(config.config, ts.sys, rootPath('')).options;
  const program = ts.createProgram(
    entries.map((e) => rootPath(e.source)),
    { ...options, noEmit: true },
  );
  const checker = program.getTypeChecker();
  const result = new Map<string, ExportedName[]>();
  for (const { specifier, source } of entries) {
    const file = program.getSourceFile(rootPath(source));
    const moduleSymbol = file === undefined ? undefined : checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) throw new Error(`cannot read the exports of ${source}`);
    const names: ExportedName[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaredAt = (target.declarations ?? [])
        .map((d) => `${d.getSourceFile().fileName.slice(rootPath('').length)}:${d.getStart()}`)
        .sort()
        .join(',');
      names.push({ name: exported.name, declaredAt });
    }
    result.set(specifier, names);
  }
  return result;
}
