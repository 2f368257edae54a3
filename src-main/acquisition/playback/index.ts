// Public surface of XDF playback: recorded sessions replayed as live SignalSources.

export { PlaybackSession, type PlaybackOptions, type PlaybackTimestamps } from './playback-session.js';
