"""Speaker diarisation, a sibling of icefall_ext (icefall has no such room; lhotse and ESPnet treat
diarisation as a task of its own): simulated array meetings, DOA and embedding front end, AHC with
Kalman tracking, the particle-filter joint tracker, RTTM io and DER. Entry points in bin/."""
