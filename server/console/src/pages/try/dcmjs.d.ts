// dcmjs ships no types; the page uses only what the node's read-core.ts needs of it.
declare module 'dcmjs' {
  const dcmjs: import('../../../../src/pipeline/decode/read-core.js').DcmjsReader;
  export default dcmjs;
}
