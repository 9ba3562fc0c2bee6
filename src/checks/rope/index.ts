/**
 * The RoPE code check kinds (lab 02), in rubric order: each calls the
 * learner's functions through a RopeProbe. `ropeVerifyScriptKind` runs the
 * learner's own script instead (registered beside them).
 */
import type { CheckKind } from '../kind.js';
import { ropeClaimsKind } from './claims.js';
import { ropeCompositionKind } from './composition.js';
import { ropeConventionKind } from './convention.js';
import { ropeDecayKind } from './decay.js';
import { ropeFrequenciesKind } from './frequencies.js';
import { ropeIdentityKind } from './identity.js';
import { ropeInputsUnchangedKind } from './inputs-unchanged.js';
import { ropeNormKind } from './norm.js';
import { ropeReferenceKind } from './reference.js';
import { ropeRelativePositionKind } from './relative-position.js';
import { ropeShapesKind } from './shapes.js';
import { ropeVerifyScriptKind } from './verify-script.js';

export {
  ropeClaimsKind,
  ropeCompositionKind,
  ropeConventionKind,
  ropeDecayKind,
  ropeFrequenciesKind,
  ropeIdentityKind,
  ropeInputsUnchangedKind,
  ropeNormKind,
  ropeReferenceKind,
  ropeRelativePositionKind,
  ropeShapesKind,
  ropeVerifyScriptKind,
};

export const ropeKinds: CheckKind[] = [
  ropeShapesKind,
  ropeFrequenciesKind,
  ropeIdentityKind,
  ropeCompositionKind,
  ropeRelativePositionKind,
  ropeNormKind,
  ropeDecayKind,
  ropeReferenceKind,
  ropeInputsUnchangedKind,
  ropeConventionKind,
  ropeClaimsKind,
];
