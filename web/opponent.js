// The predicting computer of lesson 08, as in course_utils/deploy/opponent.py: four experts predict the
// player's next move from a context (nothing, the last move, the last two moves, the last round), the one
// whose recent predictions were best is trusted, and the computer plays the best reply to it; with
// probability `epsilon` it plays at random instead. Moves are indices into the classifier's classes.
"use strict";
const Opponent = (() => {
  const MOVES = ["paper", "rock", "scissors"];
  const BEATS = {paper: "rock", rock: "scissors", scissors: "paper"};   // key beats value
  const EXPERTS = ["frequency", "markov-1", "markov-2", "last round"];
  const outcome = (player, computer) =>
    player === computer ? "tie" : BEATS[MOVES[player]] === MOVES[computer] ? "player" : "computer";
  // PAYOFF[c][p]: +1 when computer move c beats player move p, -1 when it loses
  const PAYOFF = MOVES.map((_, c) => MOVES.map((_, p) => ({computer: 1, player: -1, tie: 0})[outcome(p, c)]));

  class Opponent {
    constructor({epsilon = 0.1, decay = 0.9, random = Math.random} = {}) {
      Object.assign(this, {epsilon, decay, random});
      this.players = []; this.computers = [];
      this.counts = EXPERTS.map(() => new Map());
      this.scores = EXPERTS.map(() => 0);
    }
    context(i) {
      const p = this.players, c = this.computers, n = p.length;
      if (i === 0) return "";
      if (i === 1) return n >= 1 ? `${p[n - 1]}` : null;
      if (i === 2) return n >= 2 ? `${p[n - 2]},${p[n - 1]}` : null;
      return n >= 1 ? `${p[n - 1]}/${c[n - 1]}` : null;
    }
    expert(i) {
      const key = this.context(i), counts = (key !== null && this.counts[i].get(key)) || [0, 0, 0];
      const total = counts[0] + counts[1] + counts[2];
      return counts.map(k => (k + 1) / (total + 3));     // Laplace: an unseen context predicts uniform
    }
    best() { return this.scores.indexOf(Math.max(...this.scores)); }
    predict() { return this.expert(this.best()); }
    move() {
      if (this.random() < this.epsilon) return Math.floor(this.random() * 3);
      const q = this.predict(), value = PAYOFF.map(row => row.reduce((s, v, p) => s + v * q[p], 0));
      const top = Math.max(...value), best = [0, 1, 2].filter(c => value[c] >= top - 1e-12);
      return best[Math.floor(this.random() * best.length)];
    }
    observe(player, computer) {
      EXPERTS.forEach((_, i) => { this.scores[i] = this.decay * this.scores[i] + Math.log(this.expert(i)[player]); });
      EXPERTS.forEach((_, i) => {
        const key = this.context(i);
        if (key === null) return;
        const counts = this.counts[i].get(key) || [0, 0, 0];
        counts[player] += 1; this.counts[i].set(key, counts);
      });
      this.players.push(player); this.computers.push(computer);
    }
  }
  Object.assign(Opponent, {MOVES, EXPERTS, outcome});
  return Opponent;
})();
