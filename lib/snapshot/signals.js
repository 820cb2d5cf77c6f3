'use strict';
// Signals a snapshot can be asked with. SIGUSR1 is Node's (the inspector);
// signals whose default action matters to the runtime are left out.
// Its own file, with no addon behind it: `leakguard snapshot <pid>` checks
// its --signal with it and never loads the addon.
const SNAPSHOT_SIGNALS = ['SIGUSR2', 'SIGHUP', 'SIGQUIT', 'SIGPWR', 'SIGWINCH',
                          'SIGTTIN', 'SIGTTOU', 'SIGURG'];

module.exports = { SNAPSHOT_SIGNALS };
