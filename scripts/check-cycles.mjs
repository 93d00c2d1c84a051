// Fails when the import graph of src/ and adapters/ has a cycle (npm test runs it).
//
// madge builds the graph, type-only imports included (`import type` cycles
// still tie the files together: a change to one re-checks the other, and the
// type is one refactor away from a value import). madge's own `--circular`
// lists only the cycles its depth-first walk meets; this check groups the
// graph into strongly connected components instead, so every file and every
// import that takes part in a cycle is named, and lists the elementary cycles
// of each component.
import madge from 'madge';

const ROOTS = ['src', 'adapters'];
const MAX_CYCLES = 20;

const result = await madge(ROOTS, {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: {
    ts: { skipTypeImports: false, skipAsyncImports: false },
    tsx: { skipTypeImports: false, skipAsyncImports: false },
  },
});
/** @type {Record<string, string[]>} */
const graph = result.obj();

/** Tarjan's algorithm: the strongly connected components with a cycle (two files or more, or a self-import). */
function cyclicComponents(edges) {
  let index = 0;
  const indices = new Map();
  const lowlinks = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (file) => {
    indices.set(file, index);
    lowlinks.set(file, index);
    index++;
    stack.push(file);
    onStack.add(file);
    for (const next of edges[file] ?? []) {
      if (!indices.has(next)) {
        visit(next);
        lowlinks.set(file, Math.min(lowlinks.get(file), lowlinks.get(next)));
      } else if (onStack.has(next)) {
        lowlinks.set(file, Math.min(lowlinks.get(file), indices.get(next)));
      }
    }
    if (lowlinks.get(file) === indices.get(file)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (edges[file] ?? []).includes(file)) components.push(component.sort());
    }
  };
  for (const file of Object.keys(edges).sort()) if (!indices.has(file)) visit(file);
  return components;
}

/** The elementary cycles inside one component (each starting at its smallest file), at most `max`. */
function elementaryCycles(component, edges, max) {
  const members = new Set(component);
  const cycles = [];
  for (const [i, start] of component.entries()) {
    const allowed = new Set(component.slice(i)); // a cycle is found from its smallest file only
    const walk = (file, path) => {
      for (const next of edges[file] ?? []) {
        if (cycles.length >= max || !members.has(next) || !allowed.has(next)) continue;
        if (next === start) cycles.push([...path, start]);
        else if (!path.includes(next)) walk(next, [...path, next]);
      }
    };
    walk(start, [start]);
  }
  return cycles;
}

const components = cyclicComponents(graph);
if (components.length === 0) {
  console.log(`No import cycle in ${ROOTS.join('/ and ')}/ (${Object.keys(graph).length} files, type-only imports included).`);
} else {
  console.error(`${components.length} import cycle(s) in ${ROOTS.join('/ and ')}/ (type-only imports count):`);
  for (const [n, component] of components.entries()) {
    const members = new Set(component);
    console.error(`\n${n + 1}) ${component.length} files tied together: ${component.join(', ')}`);
    console.error('   imports inside it:');
    for (const file of component) for (const next of graph[file] ?? []) if (members.has(next)) console.error(`     ${file} -> ${next}`);
    const cycles = elementaryCycles(component, graph, MAX_CYCLES);
    console.error(`   cycles${cycles.length >= MAX_CYCLES ? ` (first ${MAX_CYCLES})` : ''}:`);
    for (const cycle of cycles) console.error(`     ${cycle.join(' -> ')}`);
  }
  process.exitCode = 1;
}
