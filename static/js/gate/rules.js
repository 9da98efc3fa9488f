// The gate's rules, as skypark/parks/gates/rules.py states them: what an entry means
// given a ticket's state. The server's merge folds every scan through the same rules,
// so what a gate decides offline is what the server concludes afterwards.
export const ADMISSION = "admission";
export const REENTRY = "reentry";
export const DOUBLE_ENTRY = "double_entry";

export function entryRole(state, facts, day) {
  if (!facts.valid || day < facts.validFrom || day > facts.validUntil) return [DOUBLE_ENTRY, "not_valid"];
  if (state.inside) return [DOUBLE_ENTRY, "inside"];
  if (facts.reentryAllowed && state.lastExitDay === day && state.visitsUsed) return [REENTRY, ""];
  if (state.visitsUsed >= facts.visitsAllowed) return [DOUBLE_ENTRY, "no_visits"];
  return [ADMISSION, ""];
}

// The ticket's state on this gate: the pack's row, then this gate's own scans of it
// (in clock order) applied through the same rules.
export function localState(row, scans, day, facts) {
  const state = { visitsUsed: row.visits_used, inside: row.inside, lastExitDay: null };
  for (const scan of scans) {
    if (scan.kind === "entry" && scan.admitted) {
      const [role] = entryRole(state, facts, day);
      if (role === ADMISSION) state.visitsUsed += 1;
      state.inside = true;
    } else if (scan.kind === "exit" && scan.admitted) {
      state.inside = false;
      state.lastExitDay = day;
    }
  }
  return state;
}
