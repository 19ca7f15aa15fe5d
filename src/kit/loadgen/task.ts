export interface TaskContext {
  /** The virtual user running it; 0 in the open model, where there are none. */
  vu: number;
  /** Counts from 0: per VU in the closed model, per run in the open model. */
  iteration: number;
}

/** One request. Resolving means ok; throwing or rejecting means failed. */
export type Task = (ctx: TaskContext) => Promise<unknown>;
