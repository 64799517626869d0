/**
 * `@recurrent/tasks`: the lecture's claims as trained experiments. Encoders, seeded dataset
 * generators, models built from the cells, metrics, and one experiment per lecture section
 * (`EXPERIMENTS`), each `{ id, title, claim, criterion, config, run, holds }`.
 */
export { cosineDistance, type Projection, precisionAtK, principalComponents } from './codes.ts'
export {
  BLANK,
  batchUtterances,
  minimumFrames,
  SPEECH_WORDS,
  type SpeakOptions,
  speak,
  type Utterance,
  type UtteranceBatch,
  type Voice,
  voice,
} from './data/acoustic.ts'
export {
  type AddingBatch,
  type AddingProblemOptions,
  addingProblem,
  meanPredictorMse,
} from './data/adding-problem.ts'
export {
  batchSequences,
  IGNORE_INDEX,
  minibatches,
  minibatchStream,
  padSequences,
  type SequenceBatch,
} from './data/batch.ts'
export { bitErrorRate, type CopyBatch, type CopyTaskOptions, copyTask } from './data/copy-task.ts'
export { draws, permutation } from './data/draw.ts'
export {
  CLOSE,
  isWellFormed,
  linearise,
  type ParseTree,
  PHRASE_LABELS,
  parseTrees,
  parseVocabulary,
  type TreeOptions,
  treeShape,
  treeWords,
} from './data/parse-trees.ts'
export {
  type LabelledSentence,
  ORDER_LABELS,
  orderPairs,
  RATING_LABELS,
  ratingSentences,
  sentimentVocabulary,
} from './data/sentiment.ts'
export {
  cityNames,
  type Sentence,
  SLOT_LABELS,
  SLOTS,
  type Slot,
  type SlotFillingOptions,
  SYLLABLES,
  slotFillingSentences,
  splitCities,
  vocabularyOf,
  withoutCues,
} from './data/slot-filling.ts'
export {
  LEXICON,
  STOP,
  type TranslationOptions,
  type TranslationPair,
  type TranslationVocabulary,
  toIds,
  translate,
  translationPairs,
  translationVocabulary,
} from './data/translation.ts'
export { WORD_ORDER_SENTENCES, wordOrderPairs, wordOrderVocabulary } from './data/word-order.ts'
export {
  type EncodedWords,
  type Encoder,
  encodeSequences,
  encodingTable,
  type OneHotEncoder,
  type OneHotOptions,
  oneHot,
  projectWords,
  type SparseVector,
  type WordHashingEncoder,
  type WordHashingOptions,
  wordHashing,
} from './encoders.ts'
export {
  type Experiment,
  type ExperimentEvent,
  type ExperimentResult,
  type Plot,
  type RunContext,
  reportRun,
  type Section,
  section,
  type Table,
} from './experiment.ts'
export {
  ambiguousCityAccuracy,
  bioViolations,
  CITY_SLOTS,
  characterErrorRate,
  doubleLetters,
  doubleLettersKept,
  editDistance,
  exactMatch,
  type Span,
  slotF1,
  spans,
  tokenAccuracy,
} from './metrics.ts'
export { type Attended, dotAttention } from './models/attention.ts'
export {
  bagOfWords,
  type Classifier,
  type ClassifierFitOptions,
  type ClassifierOptions,
  type ClassifierParams,
  classificationAccuracy,
  classify,
  fitClassifier,
  type LabelledIds,
  manyToOne,
  sentenceIds,
} from './models/classifier.ts'
export { type CrfTaggerParams, crfTagSentences, fitCrfTagger } from './models/crf-tagger.ts'
export {
  type FrameClassifier,
  type FrameClassifierOptions,
  type FrameClassifierParams,
  frameClassifier,
} from './models/frame-classifier.ts'
export {
  type Addressing,
  address,
  contentAddressing,
  interpolate,
  MEMORY_INIT,
  NORM_EPSILON,
  type NtmOptions,
  type NtmParams,
  type NtmState,
  ntm,
  readMemory,
  sharpen,
  shiftWeighting,
  writeMemory,
} from './models/ntm.ts'
export {
  type Regressor,
  type RegressorOptions,
  type RegressorParams,
  regressor,
} from './models/regressor.ts'
export {
  beamDecode,
  type Decoded,
  type Encoded,
  greedyDecode,
  type Seq2seq,
  type Seq2seqOptions,
  type Seq2seqParams,
  STOP_ID,
  seq2seq,
} from './models/seq2seq.ts'
export {
  type SequenceAutoencoder,
  type SequenceAutoencoderOptions,
  type SequenceAutoencoderParams,
  sequenceAutoencoder,
} from './models/sequence-autoencoder.ts'
export {
  type FitOptions,
  feedforward,
  fitTagger,
  TAGGER_KINDS,
  type TaggedIds,
  type Tagger,
  type TaggerKind,
  type TaggerOptions,
  type TaggerParams,
  type TaggerTraining,
  tagger,
  taggerLayer,
  taggerTraining,
  tagSentences,
} from './models/tagger.ts'
export {
  ADDING_CELLS,
  ADDING_MODELS,
  type AdderTraining,
  type AddingModel,
  type AddingProblemConfig,
  type AddingProblemMetrics,
  type AddingTraining,
  adderTraining,
  addingData,
  addingProblemExperiment,
  type CellSpec,
  type CurvePoint,
  defaultAddingConfig,
  LEARNED_FRACTION,
  TANH_FLOOR,
  type TrainedAdder,
  trainAdder,
} from './sections/adding-problem.ts'
export {
  type AllOnesConfig,
  type AllOnesMetrics,
  allOnesExperiment,
  allOnesWeights,
  runAllOnes,
  SECTION_2_2_INPUTS,
} from './sections/all-ones.ts'
export {
  ATTENTION_LONGEST_AT_LEAST,
  ATTENTION_MARGIN,
  ATTENTION_SECTION_PARTS,
  type AttentionConfig,
  type AttentionMetrics,
  type AttentionSectionConfig,
  type AttentionSectionMetrics,
  attentionExperiment,
  attentionHolds,
  attentionPart,
  defaultAttentionConfig,
  type LengthAccuracy,
  type SectionPart,
} from './sections/attention.ts'
export {
  CER_AT_MOST,
  type CtcSpeechConfig,
  type CtcSpeechMetrics,
  ctcSpeechExperiment,
  DOUBLES_AT_LEAST,
  trimRepeats,
} from './sections/ctc-speech.ts'
export {
  type CliffData,
  cliffCell,
  cliffData,
  cliffLoss,
  cliffParams,
  curvatureAlongW1,
  type DescentSummary,
  descend,
  type ErrorSurfaceConfig,
  type ErrorSurfaceMetrics,
  errorSurfaceExperiment,
  lossSurface,
  type PathPoint,
} from './sections/error-surface.ts'
export {
  CLOSED_FORM_RTOL,
  closedForm,
  type ExplodingGradientsConfig,
  type ExplodingGradientsMetrics,
  type ExplodingRow,
  explodingGradient,
  explodingGradientsExperiment,
  LINEAR_RNN,
  MEMORY_WEIGHTS,
  stateGradientNorms,
  VANISHING_FACTOR,
} from './sections/exploding-gradients.ts'
export { EXPERIMENTS } from './sections/index.ts'
export {
  LSTM_TOY_INPUTS,
  LSTM_TOY_TOLERANCE,
  type LstmToyConfig,
  type LstmToyMetrics,
  type LstmToyStep,
  lstmToy,
  lstmToyExperiment,
  lstmToyRule,
  runLstmToy,
} from './sections/lstm-toy.ts'
export {
  countCells,
  countParameters,
  type ParameterCount,
  type ParameterCountConfig,
  type ParameterCountMetrics,
  parameterCountExperiment,
} from './sections/parameter-count.ts'
export {
  EXACT_TREE_MARGIN,
  fillShape,
  heldOutTrees,
  majorityShapes,
  type ParseBatch,
  type ParsingConfig,
  type ParsingMetrics,
  parseBatch,
  parsingExperiment,
  type TrainedParser,
  trainingTrees,
  trainParser,
  WELL_FORMED_AT_LEAST,
} from './sections/parsing.ts'
export {
  CLASSIFIED_AT_LEAST,
  ORDER_CHANCE_AT_MOST,
  SENTIMENT_CELLS,
  SENTIMENT_MODELS,
  type SentimentConfig,
  type SentimentMetrics,
  type SentimentModel,
  sentimentExperiment,
} from './sections/sentiment.ts'
export {
  byLengthPlot,
  decodeLimit,
  decodePairs,
  defaultSeq2seqConfig,
  type LengthScore,
  SEQ2SEQ_EXACT_AT_LEAST,
  type Seq2seqConfig,
  type Seq2seqMetrics,
  type Seq2seqTraining,
  STOPS_AT_LEAST,
  scoreByLength,
  seq2seqExperiment,
  type TrainedSeq2seq,
  type TranslationBatch,
  type TranslationTask,
  trainSeq2seq,
  translationBatch,
  translationTestSet,
} from './sections/seq2seq.ts'
export {
  CHANCE_AT_MOST,
  LEARNED_AT_LEAST,
  type SlotFillingConfig,
  type SlotFillingData,
  type SlotFillingMetrics,
  slotFillingData,
  slotFillingExperiment,
  slotTagger,
} from './sections/slot-filling.ts'
export {
  ANAGRAM_GROUPS,
  ANAGRAM_WORDS,
  heldOutSegments,
  meanFrame,
  RETRIEVAL_MARGIN,
  reconstructionLoss,
  type SegmentBatch,
  type SpeechAutoencoderConfig,
  type SpeechAutoencoderMetrics,
  segmentBatch,
  speechAutoencoderExperiment,
  type TrainedSpeechAutoencoder,
  trainSpeechAutoencoder,
} from './sections/speech-autoencoder.ts'
export {
  type CrfConfig,
  type CrfMetrics,
  crfHolds,
  crfPart,
  defaultStructuredConfig,
  ESSENTIALLY_NONE,
  STRUCTURED_SECTION_PARTS,
  type StructuredSectionConfig,
  type StructuredSectionMetrics,
  structuredLearningExperiment,
} from './sections/structured-learning.ts'
export {
  type AutoencoderBatch,
  autoencoderBatch,
  heldOutPairs,
  ORDER_SEPARATION_AT_LEAST,
  RECONSTRUCTION_AT_LEAST,
  reconstructionTarget,
  sentenceCodes,
  TEXT_VOCABULARY,
  type TextAutoencoderConfig,
  type TextAutoencoderMetrics,
  type TrainedTextAutoencoder,
  textAutoencoderExperiment,
  trainingSentences,
  trainTextAutoencoder,
  wordCounts,
} from './sections/text-autoencoder.ts'
export {
  type Config,
  type ConfigCheck,
  type ConfigError,
  configCodec,
  decodeConfig,
  type FieldSpec,
  type Fields,
  integer,
  rangeText,
  real,
} from './training/config.ts'
export { type TrainingStopped, trainTask } from './training/run.ts'
export {
  defineTask,
  type Metrics,
  type TaskDefinition,
  type TaskSetup,
  type TrainingConfig,
  type TrainingTask,
  type TrainState,
  trainingFields,
} from './training/task.ts'
export {
  ADDING_FIELDS,
  type AddingTaskConfig,
  findTask,
  TAGGER_FIELDS,
  TASKS,
  type TaggerTaskConfig,
} from './training/tasks.ts'
export {
  type TorchArchitecture,
  type TorchBody,
  type TorchExport,
  type TorchHandoff,
  type TorchHandoffError,
  torchExport,
  torchImport,
} from './training/torch.ts'
export { type PythonModuleInfo, pythonModule } from './training/torch-python.ts'
