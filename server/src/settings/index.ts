// Console-managed destinations, selection rules and node settings over the config file.
export { RuntimeSettings, type Change, type SettingsChange } from './runtime-settings.js';
export { overlayDestinations, sendable, type DestinationSource, type EffectiveDestination } from './destinations.js';
export type { DestinationEdit } from './destination-store.js';
export { SETTINGS, SETTING_IDS, type SettingId, type SettingValue } from './definitions.js';
export type { SettingView, SettingsPatch } from './node-settings.js';
export { parseRulesInput, type RulesState } from './rules-setting.js';
export { testConnection, ECHO_TIMEOUT_MS, type EchoResult } from './echo.js';
export { testRules, findInstance, type InstanceRef, type RuleTestResult } from './rule-test.js';
export { scheduleLiveRetention } from './live-retention.js';
export { ValidationError, validateDestination, type FieldIssue } from './validate.js';
