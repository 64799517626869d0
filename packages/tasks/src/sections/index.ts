/**
 * Every experiment of the lecture, in the lecture's order. The command line, the report and the
 * tests iterate over this list; an experiment's `id` is its lecture section.
 */
import { type Section, section } from '../experiment.ts'
import { addingProblemExperiment } from './adding-problem.ts'
import { allOnesExperiment } from './all-ones.ts'
import { attentionExperiment } from './attention.ts'
import { ctcSpeechExperiment } from './ctc-speech.ts'
import { errorSurfaceExperiment } from './error-surface.ts'
import { explodingGradientsExperiment } from './exploding-gradients.ts'
import { lstmToyExperiment } from './lstm-toy.ts'
import { parameterCountExperiment } from './parameter-count.ts'
import { parsingExperiment } from './parsing.ts'
import { sentimentExperiment } from './sentiment.ts'
import { seq2seqExperiment } from './seq2seq.ts'
import { slotFillingExperiment } from './slot-filling.ts'
import { speechAutoencoderExperiment } from './speech-autoencoder.ts'
import { structuredLearningExperiment } from './structured-learning.ts'
import { textAutoencoderExperiment } from './text-autoencoder.ts'

/** The lecture's experiments in section order. */
export const EXPERIMENTS: readonly Section[] = [
  section(slotFillingExperiment),
  section(allOnesExperiment),
  section(lstmToyExperiment),
  section(parameterCountExperiment),
  section(errorSurfaceExperiment),
  section(explodingGradientsExperiment),
  section(addingProblemExperiment),
  section(sentimentExperiment),
  section(ctcSpeechExperiment),
  section(seq2seqExperiment),
  section(parsingExperiment),
  section(textAutoencoderExperiment),
  section(speechAutoencoderExperiment),
  section(attentionExperiment),
  section(structuredLearningExperiment),
]
