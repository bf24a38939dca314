//! igb: driver for the Intel 82575/82576/I350/I210 family.
