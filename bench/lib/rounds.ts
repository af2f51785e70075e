/**
 * Run `measure` for every contestant in each of `rounds` rounds, rotating the
 * order every round so no contestant always goes first (warm caches, quieter
 * machine) or last. Results come back per contestant, in round order, so
 * round i of one contestant pairs with round i of another (see pairedRatio).
 */
export async function alternateRounds<T, R>(
  contestants: readonly T[],
  rounds: number,
  measure: (contestant: T, round: number) => Promise<R>,
): Promise<Map<T, R[]>> {
  const results = new Map<T, R[]>(contestants.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < contestants.length; i++) {
      const contestant = contestants[(i + round) % contestants.length];
      results.get(contestant)!.push(await measure(contestant, round));
    }
  }
  return results;
}
