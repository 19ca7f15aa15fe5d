export { FleetCommandError } from './common.ts';
