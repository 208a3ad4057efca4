// The traced multi-CPU RISC-V emulator (issue 3) lives here.
