/** A dense, row-major classification dataset. Class indices are 0..numClasses-1. */
export interface Dataset {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
  readonly cols: number;
  /** Size of the label space (classes may be absent after a class-subset transform). */
  readonly numClasses: number;
}

export interface TargetSplit {
  readonly train: Dataset;
  readonly validation: Dataset;
}
