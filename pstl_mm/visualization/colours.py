"""The colours every picture of the views shares."""
PERSON_COLOURS = ('tab:blue', 'tab:orange', 'tab:purple', 'tab:brown')
MASKED_BONE_COLOUR = '0.75'
MASKED_JOINT_COLOUR = 'red'
KEPT_COLOUR = '#4caf50'
REMOVED_COLOUR = '#e53935'
REMOVED_FACE = '#fdecec'
