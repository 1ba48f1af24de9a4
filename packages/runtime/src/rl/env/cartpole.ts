import type { EnvSpec } from "./env.ts"

/**
 * Gymnasium's CartPole-v1 (`gymnasium/envs/classic_control/cartpole.py`): the same constants,
 * equations, euler integrator, termination thresholds, reward and 500-step TimeLimit. The state
 * is kept in float64 like Gymnasium's; only the observation is rounded to float32, as there.
 * Only the random stream differs (reset draws come from our seeded RNG, not numpy's PCG64).
 */
export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  totalMass: 0.1 + 1.0, // massPole + massCart, computed as Gymnasium does
  length: 0.5, // half the pole's length
  poleMassLength: 0.1 * 0.5, // massPole * length
  forceMag: 10.0,
  tau: 0.02,
  thetaThreshold: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
  maxEpisodeSteps: 500,
  resetBound: 0.05
} as const

/** `[x, x_dot, theta, theta_dot]` in float64. */
export type CartPoleState = readonly [number, number, number, number]

/** One euler step of the dynamics for action 0 (push left) or 1 (push right). */
export const cartpoleDynamics = (state: CartPoleState, action: number): CartPoleState => {
  const c = CARTPOLE
  const [x, xDot, theta, thetaDot] = state
  const force = action === 1 ? c.forceMag : -c.forceMag
  const cosTheta = Math.cos(theta)
  const sinTheta = Math.sin(theta)
  const temp = (force + c.poleMassLength * thetaDot ** 2 * sinTheta) / c.totalMass
  const thetaAcc = (c.gravity * sinTheta - cosTheta * temp) / (c.length * (4.0 / 3.0 - (c.massPole * cosTheta ** 2) / c.totalMass))
  const xAcc = temp - (c.poleMassLength * thetaAcc * cosTheta) / c.totalMass
  // Euler: positions move with the old velocities.
  return [x + c.tau * xDot, xDot + c.tau * xAcc, theta + c.tau * thetaDot, thetaDot + c.tau * thetaAcc]
}

export const cartpoleTerminated = ([x, , theta]: CartPoleState): boolean =>
  x < -CARTPOLE.xThreshold || x > CARTPOLE.xThreshold || theta < -CARTPOLE.thetaThreshold || theta > CARTPOLE.thetaThreshold

/**
 * CartPole-v1. Reward 1 on every step including the terminating one; episodes are truncated (not
 * terminated) after 500 steps by `VectorEnv`, as Gymnasium's TimeLimit does.
 */
export const cartpole = (): EnvSpec<CartPoleState> => ({
  id: "cartpole",
  observationSize: 4,
  actions: 2,
  maxEpisodeSteps: CARTPOLE.maxEpisodeSteps,
  categories: [],
  params: {},
  reset: (rng) => {
    const b = CARTPOLE.resetBound
    return [rng.uniformIn(-b, b), rng.uniformIn(-b, b), rng.uniformIn(-b, b), rng.uniformIn(-b, b)]
  },
  step: (state, action) => {
    const next = cartpoleDynamics(state, action)
    return { state: next, reward: 1, terminated: cartpoleTerminated(next) }
  },
  observe: (state, out, offset) => {
    out.set(state, offset) // Float32Array.set rounds to float32, as np.array(state, dtype=float32)
  }
})
