// A verification worker that fails as it starts, before it has checked anything.
process.exit(1);
