// The module of codec-test.html: runs codec-checks.js in the browser and writes "PASS n/n" or the failures into the page.
// window.runCodecChecks(markdown) runs the same checks on a PROTOCOL.md text given by a test.
import { parseExamples, runChecks } from './codec-checks.js';
import { FrameCodec } from './codec.js';
import { EXAMPLES_MARKDOWN } from './codec-examples.js';

function show(markdown) {
  const { total, passed, failures } = runChecks(parseExamples(markdown), FrameCodec);
  const result = document.getElementById('codec-result');
  const list = document.getElementById('codec-failures');
  list.replaceChildren(...failures.map((failure) => {
    const item = document.createElement('li');
    item.textContent = failure;
    return item;
  }));
  result.textContent = failures.length === 0 && total > 0 ? `PASS ${passed}/${total}` : `FAIL ${passed}/${total}`;
  return result.textContent;
}

window.runCodecChecks = show;
show(EXAMPLES_MARKDOWN);
