/** Where a unit's events go: the sink every event constructor appends to, and the call's actor stamped on them. */
import type { OpdEvent } from '../../events.js';

/** Where events go and when they happen. */
export interface EventSink {
  /** The unit's events so far; may be a shared empty list until the first one is kept. */
  events: unknown[];
  readonly nowDate: Date;
}

/**
 * Appends `e` to the unit's events. The first event gets a list of exactly one (an empty list
 * that is pushed onto reserves room for 17, and most units emit one event).
 */
export function keep(w: EventSink, e: OpdEvent): void {
  if (w.events.length === 0) w.events = [e];
  else w.events.push(e);
}

/**
 * Stamps the call's actor on every event of a unit, before the unit is stored. Each event was
 * built with `actor: null`, so the field keeps its place in the object's shape.
 */
export function stampActor(events: readonly OpdEvent[], actor: string | null): void {
  if (actor === null) return;
  for (const e of events) (e as { actor: string | null }).actor = actor;
}
