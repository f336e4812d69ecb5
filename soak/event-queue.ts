/**
 * The simulated weeks as a timeline: events ordered by time, ties in the order they were
 * scheduled (a binary heap: some tens of thousands of events over ten weeks).
 */
export interface SimEvent {
  readonly at: number;
  readonly label: string;
  readonly run: () => Promise<void>;
}

interface Entry extends SimEvent {
  readonly order: number;
}

export class EventQueue {
  private readonly heap: Entry[] = [];
  private scheduled = 0;

  get size(): number {
    return this.heap.length;
  }

  schedule(at: number, label: string, run: () => Promise<void>): void {
    this.heap.push({ at, label, run, order: this.scheduled++ });
    this.up(this.heap.length - 1);
  }

  pop(): SimEvent | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private before(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order);
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(this.heap[index]!, this.heap[parent]!)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private down(index: number): void {
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.heap.length && this.before(this.heap[left]!, this.heap[smallest]!)) smallest = left;
      if (right < this.heap.length && this.before(this.heap[right]!, this.heap[smallest]!)) smallest = right;
      if (smallest === index) return;
      this.swap(index, smallest);
      index = smallest;
    }
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b]!, this.heap[a]!];
  }
}
