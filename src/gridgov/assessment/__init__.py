"""Assessment: the quality index (晴雨表) with colour grades and the vanguard report, party-member
points, star ratings, the four lists, community-worker appraisal and alerts (MISSION.md §5)."""
