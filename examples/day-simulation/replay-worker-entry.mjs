// The entry of a replay worker thread: a worker does not inherit the main thread's module hooks,
// so it registers tsx's (the example runs from its TypeScript sources) before loading the worker.
import { register } from 'tsx/esm/api';

register();
await import('./replay-worker.ts');
