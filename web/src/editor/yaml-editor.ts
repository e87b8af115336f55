/**
 * The YAML editor (CodeMirror 6, loaded with the editor view): YAML highlighting, and a lint source
 * that asks the server what `podnet apply` would say, shown inline and in the gutter.
 */
import { basicSetup, EditorView } from 'codemirror';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import type { LineDiagnostic } from '../lib/diagnostics.ts';

export interface YamlEditor {
  text(): string;
  setText(text: string): void;
  focus(): void;
  destroy(): void;
}

/** `check` is called (debounced by CodeMirror) with the text; it returns diagnostics by line. */
export function createYamlEditor(parent: HTMLElement, initial: string, check: (text: string) => Promise<LineDiagnostic[]>, onChange: (text: string) => void): YamlEditor {
  const lint = linter(async (view) => {
    const doc = view.state.doc;
    const found = await check(doc.toString());
    return found.map((d): Diagnostic => {
      const line = doc.line(Math.min(d.line, doc.lines));
      return { from: line.from, to: Math.max(line.from, line.to), severity: d.severity, message: d.message, source: 'podnet apply' };
    });
  }, { delay: 400 });
  const view = new EditorView({
    parent,
    doc: initial,
    extensions: [
      basicSetup,
      yaml(),
      lintGutter(),
      lint,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange(u.state.doc.toString());
      }),
      EditorView.contentAttributes.of({ 'aria-label': 'YAML manifests to validate, preview and apply' }),
    ],
  });
  return {
    text: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
  };
}
