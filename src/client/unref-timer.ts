/** Lets Node exit while only this timer is pending (browsers' timers are numbers, left alone). */
export function unrefTimer(timer: ReturnType<typeof setTimeout> | ReturnType<typeof setInterval>): void {
  if (typeof timer === 'object' && 'unref' in timer) timer.unref();
}
