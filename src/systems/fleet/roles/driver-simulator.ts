import { createLogger } from '../../../kit/observe/log.ts';
import { type GeoBox, SAO_PAULO_AREA } from '../domain/geo.ts';
import { SAO_PAULO_CENTRE } from '../domain/order-created.ts';
import { pointAround, walkStep } from '../domain/random-walk.ts';
import type { DriverIndex, DriverPosition } from '../store/driver-index.ts';

const log = createLogger('fleet:drivers');

/** The reference's two drivers: one 340 m from São Paulo's centre, one 8.7 km south-west of it. */
export const REFERENCE_DRIVERS: readonly DriverPosition[] = [
  { id: 'Joao-da-Silva', lat: -23.55, lng: -46.63 },
  { id: 'Maria-Longe', lat: -23.6, lng: -46.7 },
];

export interface SimulatorOptions {
  index: DriverIndex;
  /** Simulated drivers, named sim-driver-1… */
  count: number;
  /** How often each driver moves. */
  tickMs: number;
  /** Longest step per tick, in metres. */
  stepMeters: number;
  /** Where they start: spread over this many km around the centre (default 10). */
  spreadKm?: number;
  area?: GeoBox;
  random?: () => number;
}

/**
 * Drivers on a random walk around São Paulo, each tick's moves sent to the index in one call. A tick that is
 * still being written when the next is due is skipped rather than queued. Closing takes the drivers off the map.
 */
export class DriverSimulator {
  readonly #options: Required<Omit<SimulatorOptions, 'index'>> & { index: DriverIndex };
  readonly #drivers: DriverPosition[];
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  ticks = 0;

  private constructor(options: SimulatorOptions) {
    this.#options = { spreadKm: 10, area: SAO_PAULO_AREA, random: Math.random, ...options };
    const { spreadKm, area, random } = this.#options;
    this.#drivers = Array.from({ length: options.count }, (_, i) => ({ id: `sim-driver-${i + 1}`, ...pointAround(SAO_PAULO_CENTRE, spreadKm, area, random) }));
  }

  /** Places the drivers, then moves them every tick. */
  static async start(options: SimulatorOptions): Promise<DriverSimulator> {
    const simulator = new DriverSimulator(options);
    await options.index.add(simulator.#drivers);
    simulator.#timer = setInterval(() => void simulator.#scheduledTick(), options.tickMs);
    return simulator;
  }

  /** Where the simulated drivers are now. */
  get positions(): readonly DriverPosition[] {
    return this.#drivers;
  }

  /** Moves every driver one step and writes the moves. */
  async tick(): Promise<void> {
    const { stepMeters, area, random, index } = this.#options;
    for (let i = 0; i < this.#drivers.length; i++) {
      const driver = this.#drivers[i]!;
      this.#drivers[i] = { id: driver.id, ...walkStep(driver, stepMeters, area, random) };
    }
    await index.move(this.#drivers);
    this.ticks++;
  }

  async #scheduledTick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      await this.tick();
    } catch (err) {
      log.warn('could not write the drivers’ moves; the next tick tries again', { err });
    } finally {
      this.#ticking = false;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#options.index.remove(this.#drivers.map((d) => d.id));
  }
}
